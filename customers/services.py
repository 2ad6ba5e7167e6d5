"""Writes to customers and memberships."""

from typing import Any

from common.codes import generate_code
from common.services import record_create, record_update
from customers.models import Customer, Membership


def customer_create(*, code: str | None = None, **data: Any) -> Customer:
    return record_create(model=Customer, data={"code": code or generate_code(prefix="CUS"), **data})


def customer_update(*, customer: Customer, **data: Any) -> Customer:
    return record_update(instance=customer, data=data)


def customer_delete(*, customer: Customer) -> None:
    """Refused with a conflict while orders reference the customer; memberships go with it."""
    customer.delete()


def membership_create(*, number: str | None = None, **data: Any) -> Membership:
    return record_create(model=Membership, data={"number": number or generate_code(prefix="MEM"), **data})


def membership_update(*, membership: Membership, **data: Any) -> Membership:
    return record_update(instance=membership, data=data)


def membership_delete(*, membership: Membership) -> None:
    """Orders made under the membership keep existing, with no membership."""
    membership.delete()
