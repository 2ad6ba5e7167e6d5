"""External codes for records a client creates without one."""

import secrets


def generate_code(*, prefix: str) -> str:
    """A short random code such as ``CUS-7F3K9Q2M1X``; 32^10 values make clashes negligible."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return f"{prefix}-" + "".join(secrets.choice(alphabet) for _ in range(10))
