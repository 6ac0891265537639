"""The synthetic demo surveys: realistic exports with planted effects for any questionnaire (``generate``),
and ``survey demo``, which makes and runs the shipped ones (``survey``)."""

from pipeline.demo.generate import EMPTY, SKIPPED, centred_effects, generate_responses, write_demo_export
from pipeline.demo.specs import (
    DEFAULT_UNITS,
    PREVIOUS_CHANGES,
    PREVIOUS_WAVE,
    DemoSpec,
    demo_spec,
    earlier_wave_specs,
    plain_spec,
    previous_wave_spec,
)

__all__ = [
    "DEFAULT_UNITS",
    "EMPTY",
    "PREVIOUS_CHANGES",
    "PREVIOUS_WAVE",
    "SKIPPED",
    "DemoSpec",
    "centred_effects",
    "demo_spec",
    "earlier_wave_specs",
    "generate_responses",
    "plain_spec",
    "previous_wave_spec",
    "write_demo_export",
]
