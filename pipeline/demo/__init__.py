"""The synthetic demo surveys: realistic exports with planted effects for any questionnaire (``generate``),
and ``survey demo``, which makes and runs the shipped ones (``survey``)."""

from pipeline.demo.generate import (
    DEFAULT_UNITS,
    EMPTY,
    PREVIOUS_PLANTED,
    PREVIOUS_WAVE,
    SKIPPED,
    DemoSpec,
    centred_effects,
    demo_spec,
    generate_responses,
    plain_spec,
    previous_wave_spec,
    write_demo_export,
)

__all__ = [
    "DEFAULT_UNITS",
    "EMPTY",
    "PREVIOUS_PLANTED",
    "PREVIOUS_WAVE",
    "SKIPPED",
    "DemoSpec",
    "centred_effects",
    "demo_spec",
    "generate_responses",
    "plain_spec",
    "previous_wave_spec",
    "write_demo_export",
]
