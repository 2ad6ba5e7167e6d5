"""Test data made through the real service functions, as a user's writes would be."""

import itertools
from decimal import Decimal

from catalog.models import Category, Product
from catalog.services import category_create, product_create
from customers.models import Customer
from customers.services import customer_create
from sales.models import Agent, AgentRole, Team
from sales.services import agent_create, team_create

_sequence = itertools.count(1)


def make_category(*, name: str | None = None) -> Category:
    return category_create(name=name or f"Category {next(_sequence)}")


def make_product(
    *,
    unit_price: str = "10.00",
    stock: int = 100,
    category: Category | None = None,
    name: str | None = None,
    code: str | None = None,
) -> Product:
    n = next(_sequence)
    return product_create(
        code=code,
        name=name or f"Product {n}",
        category=category or make_category(),
        unit_price=Decimal(unit_price),
        stock=stock,
    )


def make_customer(*, name: str | None = None, region: str = "North", email: str | None = None) -> Customer:
    n = next(_sequence)
    return customer_create(name=name or f"Customer {n}", email=email or f"customer{n}@example.com", region=region)


def make_team(*, name: str | None = None) -> Team:
    return team_create(name=name or f"Team {next(_sequence)}")


def make_agent(*, team: Team | None = None, role: str = AgentRole.AGENT) -> Agent:
    return agent_create(name=f"Agent {next(_sequence)}", role=role, team=team or make_team())
