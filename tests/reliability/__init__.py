"""The reliability battery: every case of issue 12 as a test (see battery.py)."""
