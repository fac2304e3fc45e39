"""The trial design of NCT04984096 as data (not a domain program): TE, TA and TI print from here.

A single-arm, retrospective, real-world study (../shared/seed): screening from informed
consent, treatment with anlotinib plus a PD-1 inhibitor until the end of treatment, then
follow-up until death or the data cut-off. The eligibility criteria are the published ones;
no exclusion criteria were published.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Element:
    """A planned element: code, description, start and end rules, epoch."""

    etcd: str
    element: str
    start: str
    end: str
    epoch: str

    def __str__(self) -> str:
        return f"{self.etcd} {self.element} ({self.epoch}): from {self.start} to {self.end}"


@dataclass(frozen=True)
class Criterion:
    """An eligibility criterion as published: short name, text, INCLUSION or EXCLUSION."""

    code: str
    text: str
    category: str = "INCLUSION"

    def __str__(self) -> str:
        return f"{self.code} [{self.category}] {self.text}"


ARMCD, ARM = "ANLOPD1", "Anlotinib + PD-1 inhibitor"

ELEMENTS = (
    Element("SCRN", "Screening", "Informed consent", "First dose of anlotinib or the PD-1 inhibitor", "SCREENING"),
    Element("TRT", ARM, "First dose of anlotinib or the PD-1 inhibitor",
            "Last dose (end of treatment for disease progression, toxicity or another reason)", "TREATMENT"),
    Element("FU", "Follow-up", "Day after the last dose", "Death or the data cut-off", "FOLLOW-UP"),
)

#: The single arm: its elements in order (TA).
ARM_ELEMENTS = ("SCRN", "TRT", "FU")

CRITERIA = (
    Criterion("INCL01", "Locally advanced or metastatic esophageal squamous cell carcinoma"),
    Criterion("INCL02", "Disease progression on a prior PD-1 inhibitor (immune checkpoint inhibitor)"),
    Criterion("INCL03", "Treated with anlotinib plus a PD-1 inhibitor at Shanghai Chest Hospital between July 2020 "
                        "and March 2022"),
)
#: Version of the criteria (TIVERS): the one protocol version of the registered study.
CRITERIA_VERSION = "1"
