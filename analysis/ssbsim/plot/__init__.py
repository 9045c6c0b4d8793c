"""The pictures of ssbsim outputs, one command each: `python3 -m ssbsim.plot COMMAND FILES...`
(`python3 -m ssbsim.plot COMMAND --help` for its options). They share one style
(ssbsim.plot.style) and the reader (ssbsim.reader)."""

import importlib

COMMANDS = {
    "binder": "Binder cumulant and susceptibility of a scan, with the crossings",
    "decoupling": "order parameter of the layers versus the layer coupling",
    "histogram": "histogram of the magnetisation (one peak symmetric, two broken)",
    "kibble_zurek": "defect density after quenches versus the quench time",
    "layers": "per-layer order parameter and neuron diversity over training",
    "movie": "the field over training time as GIF / MP4, with the order parameter",
    "replicas": "replica overlap and distance over training time",
    "snapshot": "heat-map of a saved configuration",
    "timeseries": "time series of an observable and its autocorrelation",
    "training": "order parameter over training time of a schedule run",
}


def command(name):
    """The module of a plot command."""
    return importlib.import_module(f"{__name__}.{name}")
