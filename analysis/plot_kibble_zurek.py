#!/usr/bin/python3
"""Kept for existing command lines: the same as `python3 -m ssbsim.plot kibble_zurek` (ssbsim/plot/kibble_zurek.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ssbsim.plot.kibble_zurek import main  # noqa: E402

main()
