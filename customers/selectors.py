"""Reads of customers and memberships."""

from django.db.models import QuerySet

from customers.models import Customer, Membership


def customer_list() -> QuerySet[Customer]:
    return Customer.objects.all()


def membership_list() -> QuerySet[Membership]:
    return Membership.objects.select_related("customer")
