"""The load test and the fault drills of issue 12 (make bench-load, make bench-faults)."""
