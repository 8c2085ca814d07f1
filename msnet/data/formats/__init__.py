"""The providers' file formats: one module per dataset, one registry to look them up."""

from msnet.core.errors import BadValue
from msnet.data.formats.base import SPLITS, Format, Record
from msnet.data.formats.common import DataError, Entry, Parsed, Problems, class_index
from msnet.data.formats.hmdb51 import HMDB51
from msnet.data.formats.kinetics import Kinetics
from msnet.data.formats.ssv1 import SSv1
from msnet.data.formats.ssv2 import SSv2

FORMATS = {"ssv1": SSv1, "ssv2": SSv2, "kinetics": Kinetics, "hmdb51": HMDB51}


def get_format(name: str, **options) -> Format:
    if name not in FORMATS:
        raise BadValue(f"unknown dataset format {name!r}; known: {', '.join(FORMATS)}")
    return FORMATS[name](**options)


__all__ = ["FORMATS", "SPLITS", "DataError", "Entry", "Format", "Parsed", "Problems", "Record", "class_index",
           "get_format"]
