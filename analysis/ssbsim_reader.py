"""Kept for existing scripts: the reader now lives in the package, ssbsim.reader."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ssbsim.reader import *  # noqa: E402,F401,F403
from ssbsim.reader import gamma_method  # noqa: E402,F401
