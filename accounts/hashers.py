"""Password hashing at OWASP's Argon2id parameters."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OWASPArgon2idHasher(Argon2PasswordHasher):
    """Argon2id with m=19 MiB, t=2, p=1: OWASP's recommended minimum, chosen from the hash rate.

    Every sign-in computes one hash, so the hash rate is the ceiling of sign-ins per second.
    `bench/hash_rate.py` on this 2-core machine (2026-12-02, shared with four other sessions,
    load average 3): 18.5 hashes/s at these parameters (36 CPU ms a hash) against 3.0 at
    Django's default (100 MiB, t=2, 8 lanes: 272 CPU ms); idle, the same machine computed
    110 hashes/s (issue 12). A thousand officers signing in within the 20 s the nine o'clock
    storm allows need 50 hashes/s: 45% of the idle rate, and the sign-in request's own web CPU
    shares the same cores. One step stronger costs each sign-in more (t=3: 50 CPU ms a hash,
    1.25x; OWASP's equal m=46 MiB, t=1: 66 ms, 1.6x), which would take that storm's share of
    the cores past what leaves room for the pages officers open meanwhile; Django's default
    costs 7x and five times the memory per sign-in (2 GiB against 10 GiB at a hundred at
    once). OWASP's lower-memory equivalents (12 MiB t=3, 9 MiB t=4) are a little cheaper but
    give up memory hardness against GPUs, so the minimum stays at its 19 MiB form. Hashes made
    with other parameters are upgraded on the next successful sign-in (Django's must_update,
    tests/accounts/test_login_throttle.py).
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
