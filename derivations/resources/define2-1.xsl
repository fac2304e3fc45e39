<?xml version="1.0" encoding="UTF-8"?>
<!-- A small stylesheet of the derivations package: shows a Define-XML 2.1 file as HTML tables
     (datasets, variables with value-level metadata, codelists, methods, comments, documents). -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:odm="http://www.cdisc.org/ns/odm/v1.3"
    xmlns:def="http://www.cdisc.org/ns/def/v2.1"
    xmlns:xlink="http://www.w3.org/1999/xlink"
    exclude-result-prefixes="odm def xlink">
  <xsl:output method="html" encoding="UTF-8" indent="yes"/>
  <xsl:key name="item" match="odm:ItemDef" use="@OID"/>
  <xsl:key name="codelist" match="odm:CodeList" use="@OID"/>
  <xsl:key name="method" match="odm:MethodDef" use="@OID"/>
  <xsl:key name="comment" match="def:CommentDef" use="@OID"/>
  <xsl:key name="valuelist" match="def:ValueListDef" use="@OID"/>
  <xsl:key name="where" match="def:WhereClauseDef" use="@OID"/>
  <xsl:key name="leaf" match="def:leaf" use="@ID"/>

  <xsl:variable name="mdv" select="/odm:ODM/odm:Study/odm:MetaDataVersion"/>

  <xsl:template match="/">
    <html>
      <head>
        <title><xsl:value-of select="$mdv/@Name"/></title>
        <style>
          body { font-family: sans-serif; font-size: 13px; margin: 1em 2em; }
          table { border-collapse: collapse; margin-bottom: 1.5em; width: 100%; }
          th, td { border: 1px solid #999; padding: 3px 6px; text-align: left; vertical-align: top; }
          th { background: #dde4ee; }
          caption { text-align: left; font-weight: bold; padding: 4px 0; }
          .vlm td { background: #f6f6f6; }
          p.comment { margin: 2px 0; font-style: italic; }
          nav a { margin-right: 1em; }
        </style>
      </head>
      <body>
        <h1><xsl:value-of select="/odm:ODM/odm:Study/odm:GlobalVariables/odm:StudyName"/></h1>
        <p><xsl:value-of select="/odm:ODM/odm:Study/odm:GlobalVariables/odm:StudyDescription"/></p>
        <p>
          <xsl:for-each select="$mdv/def:Standards/def:Standard">
            <xsl:value-of select="concat(@Name, ' ', @Version)"/>
            <xsl:if test="position() != last()"><xsl:text>; </xsl:text></xsl:if>
          </xsl:for-each>
          <xsl:text> (created </xsl:text><xsl:value-of select="/odm:ODM/@CreationDateTime"/><xsl:text>)</xsl:text>
        </p>
        <nav>
          <a href="#datasets">Datasets</a>
          <xsl:for-each select="$mdv/odm:ItemGroupDef">
            <a href="#{@OID}"><xsl:value-of select="@Name"/></a>
          </xsl:for-each>
          <a href="#codelists">Codelists</a><a href="#methods">Methods</a><a href="#comments">Comments</a>
        </nav>

        <table id="datasets">
          <caption>Datasets</caption>
          <tr><th>Dataset</th><th>Description</th><th>Class</th><th>Structure</th><th>Purpose</th><th>Keys</th><th>Location</th></tr>
          <xsl:for-each select="$mdv/odm:ItemGroupDef">
            <tr>
              <td><a href="#{@OID}"><xsl:value-of select="@Name"/></a></td>
              <td><xsl:value-of select="odm:Description/odm:TranslatedText"/>
                <xsl:for-each select="key('comment', @def:CommentOID)">
                  <p class="comment"><xsl:value-of select="odm:Description/odm:TranslatedText"/></p>
                </xsl:for-each>
              </td>
              <td>
                <xsl:value-of select="def:Class/@Name"/>
                <xsl:for-each select="def:Class/def:SubClass"> / <xsl:value-of select="@Name"/></xsl:for-each>
              </td>
              <td><xsl:value-of select="@def:Structure"/></td>
              <td><xsl:value-of select="@Purpose"/></td>
              <td>
                <xsl:for-each select="odm:ItemRef[@KeySequence]">
                  <xsl:sort select="@KeySequence" data-type="number"/>
                  <xsl:value-of select="key('item', @ItemOID)/@Name"/>
                  <xsl:if test="position() != last()">, </xsl:if>
                </xsl:for-each>
              </td>
              <td><a href="{def:leaf/@xlink:href}"><xsl:value-of select="def:leaf/def:title"/></a></td>
            </tr>
          </xsl:for-each>
        </table>

        <xsl:for-each select="$mdv/odm:ItemGroupDef">
          <table id="{@OID}">
            <caption>
              <xsl:value-of select="concat(@Name, ' (', odm:Description/odm:TranslatedText, ')')"/>
            </caption>
            <tr><th>Variable</th><th>Label / where clause</th><th>Type</th><th>Length</th><th>Format</th>
                <th>Controlled terms</th><th>Origin</th><th>Method / comment</th></tr>
            <xsl:for-each select="odm:ItemRef">
              <xsl:sort select="@OrderNumber" data-type="number"/>
              <xsl:variable name="it" select="key('item', @ItemOID)"/>
              <tr>
                <td><xsl:value-of select="$it/@Name"/></td>
                <td><xsl:value-of select="$it/odm:Description/odm:TranslatedText"/></td>
                <xsl:call-template name="attributes">
                  <xsl:with-param name="it" select="$it"/>
                  <xsl:with-param name="ref" select="."/>
                </xsl:call-template>
              </tr>
              <xsl:for-each select="key('valuelist', $it/def:ValueListRef/@ValueListOID)/odm:ItemRef">
                <xsl:variable name="vit" select="key('item', @ItemOID)"/>
                <tr class="vlm">
                  <td><xsl:text>&#8627; </xsl:text><xsl:value-of select="$vit/@Name"/></td>
                  <td>
                    <xsl:for-each select="key('where', def:WhereClauseRef/@WhereClauseOID)/odm:RangeCheck">
                      <xsl:value-of select="concat(key('item', @def:ItemOID)/@Name, ' ', @Comparator, ' ')"/>
                      <xsl:for-each select="odm:CheckValue">
                        <xsl:value-of select="."/><xsl:if test="position() != last()">, </xsl:if>
                      </xsl:for-each>
                      <xsl:if test="position() != last()"> and </xsl:if>
                    </xsl:for-each>
                    <xsl:text>: </xsl:text>
                    <xsl:value-of select="$vit/odm:Description/odm:TranslatedText"/>
                  </td>
                  <xsl:call-template name="attributes">
                    <xsl:with-param name="it" select="$vit"/>
                    <xsl:with-param name="ref" select="."/>
                  </xsl:call-template>
                </tr>
              </xsl:for-each>
            </xsl:for-each>
          </table>
        </xsl:for-each>

        <table id="codelists">
          <caption>Codelists (* a sponsor extension of an extensible CDISC codelist)</caption>
          <tr><th>Codelist</th><th>Code</th><th>Decode</th><th>NCI code</th></tr>
          <xsl:for-each select="$mdv/odm:CodeList">
            <tr>
              <th colspan="4" id="{@OID}">
                <xsl:value-of select="@Name"/>
                <xsl:if test="odm:Alias"> [<xsl:value-of select="odm:Alias/@Name"/>]</xsl:if>
                <xsl:if test="@def:IsNonStandard = 'Yes'"> (sponsor-defined)</xsl:if>
                <xsl:for-each select="odm:ExternalCodeList">
                  <xsl:value-of select="concat(' - ', @Dictionary, ' ', @Version)"/>
                </xsl:for-each>
              </th>
            </tr>
            <xsl:for-each select="odm:CodeListItem | odm:EnumeratedItem">
              <tr>
                <td/>
                <td><xsl:value-of select="@CodedValue"/><xsl:if test="@def:ExtendedValue = 'Yes'"> *</xsl:if></td>
                <td><xsl:value-of select="odm:Decode/odm:TranslatedText"/></td>
                <td><xsl:value-of select="odm:Alias/@Name"/></td>
              </tr>
            </xsl:for-each>
          </xsl:for-each>
        </table>

        <table id="methods">
          <caption>Methods</caption>
          <tr><th>Method</th><th>Type</th><th>Description</th></tr>
          <xsl:for-each select="$mdv/odm:MethodDef">
            <tr id="{@OID}">
              <td><xsl:value-of select="@Name"/></td>
              <td><xsl:value-of select="@Type"/></td>
              <td>
                <xsl:value-of select="odm:Description/odm:TranslatedText"/>
                <xsl:call-template name="documents"/>
                <xsl:for-each select="odm:FormalExpression"><pre><xsl:value-of select="."/></pre></xsl:for-each>
              </td>
            </tr>
          </xsl:for-each>
        </table>

        <table id="comments">
          <caption>Comments</caption>
          <tr><th>Comment</th><th>Description</th></tr>
          <xsl:for-each select="$mdv/def:CommentDef">
            <tr id="{@OID}">
              <td><xsl:value-of select="@OID"/></td>
              <td><xsl:value-of select="odm:Description/odm:TranslatedText"/></td>
            </tr>
          </xsl:for-each>
        </table>

        <xsl:if test="$mdv/def:leaf">
          <table id="documents">
            <caption>Documents</caption>
            <tr><th>Document</th><th>File</th></tr>
            <xsl:for-each select="$mdv/def:leaf">
              <tr><td><xsl:value-of select="def:title"/></td><td><a href="{@xlink:href}"><xsl:value-of select="@xlink:href"/></a></td></tr>
            </xsl:for-each>
          </table>
        </xsl:if>
      </body>
    </html>
  </xsl:template>

  <xsl:template name="attributes">
    <xsl:param name="it"/>
    <xsl:param name="ref"/>
    <td><xsl:value-of select="$it/@DataType"/></td>
    <td><xsl:value-of select="$it/@Length"/></td>
    <td><xsl:value-of select="$it/@def:DisplayFormat"/></td>
    <td>
      <xsl:for-each select="key('codelist', $it/odm:CodeListRef/@CodeListOID)">
        <a href="#{@OID}"><xsl:value-of select="@Name"/></a>
      </xsl:for-each>
    </td>
    <td>
      <xsl:for-each select="$it/def:Origin">
        <xsl:value-of select="@Type"/>
        <xsl:if test="@Source"> (<xsl:value-of select="@Source"/>)</xsl:if>
        <xsl:if test="odm:Description">: <xsl:value-of select="odm:Description/odm:TranslatedText"/></xsl:if>
      </xsl:for-each>
    </td>
    <td>
      <xsl:for-each select="key('method', $ref/@MethodOID)">
        <a href="#{@OID}"><xsl:value-of select="@Name"/></a>
        <xsl:text>: </xsl:text><xsl:value-of select="odm:Description/odm:TranslatedText"/>
        <xsl:call-template name="documents"/>
      </xsl:for-each>
      <xsl:for-each select="key('comment', $it/@def:CommentOID)">
        <p class="comment"><xsl:text>Comment: </xsl:text><xsl:value-of select="odm:Description/odm:TranslatedText"/>
          <xsl:call-template name="documents"/></p>
      </xsl:for-each>
    </td>
  </xsl:template>

  <xsl:template name="documents">
    <xsl:for-each select="def:DocumentRef">
      <xsl:text> [</xsl:text>
      <a href="{key('leaf', @leafID)/@xlink:href}"><xsl:value-of select="key('leaf', @leafID)/def:title"/></a>
      <xsl:if test="def:PDFPageRef"><xsl:value-of select="concat(' p. ', def:PDFPageRef/@PageRefs)"/></xsl:if>
      <xsl:text>]</xsl:text>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
