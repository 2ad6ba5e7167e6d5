"""A small dataset whose R, F, M values, quintiles and segments are worked out by hand below.

Window 2024-01-01 .. 2024-06-30, reference date 2024-06-30, every line 10.00 a unit.

| who | orders in the window (date: units)       | R   | F | M   | R F M | segment             |
| --- | ---------------------------------------- | --- | - | --- | ----- | ------------------- |
| A   | 06-30: 5, 06-01: 5, 05-01: 10 (07-01: 7) | 0   | 3 | 200 | 5 4 5 | Champions           |
| B   | 06-29: 1, 06-20: 1                       | 1   | 2 | 20  | 5 3 1 | Potential Loyalists |
| C   | 06-25: 30                                | 5   | 1 | 300 | 4 1 5 | Promising           |
| D   | 06-20: 1+1 (2 lines), 06-10, 05-10, 04-10: 2 | 10 | 4 | 80 | 4 5 4 | Loyal Customers  |
| E   | 06-20: 3                                 | 10  | 1 | 30  | 4 1 2 | Promising           |
| F   | 05-31: 4, 05-01: 4                       | 30  | 2 | 80  | 3 3 4 | Need Attention      |
| G   | 04-01, 03-01, 02-01, 01-15, 01-10: 1     | 90  | 5 | 50  | 2 5 3 | Can't Lose Them     |
| H   | 03-02: 6                                 | 120 | 1 | 60  | 2 1 3 | Hibernating         |
| I   | 01-31: 2, 01-02: 2                       | 151 | 2 | 40  | 1 3 2 | At Risk             |
| J   | 01-01: 1                                 | 181 | 1 | 10  | 1 1 1 | Hibernating         |
| K   | 2023-12-31 only: absent                  |     |   |     |       |                     |
| L   | 2024-07-01 only: absent                  |     |   |     |       |                     |

Cut points (linear interpolation at p * (n - 1) over the sorted values, n = 10):
- recency [0, 1, 5, 10, 10, 30, 90, 120, 151, 181]: 1 + .8*4 = 4.2; 10; 30 + .4*60 = 54; 120 + .2*31 = 126.2
- frequency [1, 1, 1, 1, 2, 2, 2, 3, 4, 5]: 1; 1 + .6*1 = 1.6; 2; 3 + .2*1 = 3.2
- monetary [10, 20, 30, 40, 50, 60, 80, 80, 200, 300]:
  20 + .8*10 = 28; 40 + .6*10 = 46; 60 + .4*20 = 68; 80 + .2*120 = 104
A score is 1 + the number of cut points strictly below the value (recency: 5 minus that number), so
D and E (recency 10) share R 4, D and F (80.00) share M 4, and every frequency of 1 scores 1.
Shipping (5.00 on some orders) is not revenue.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from customers.models import Customer
from sales.services import order_create
from tests.factories import make_customer, make_product

WINDOW = {"start_date": "2024-01-01", "end_date": "2024-06-30"}

# customer -> [(date, [units per line])]
ORDERS: dict[str, list[tuple[str, list[int]]]] = {
    "A": [("2024-06-30", [5]), ("2024-06-01", [5]), ("2024-05-01", [10]), ("2024-07-01", [7])],
    "B": [("2024-06-29", [1]), ("2024-06-20", [1])],
    "C": [("2024-06-25", [30])],
    "D": [("2024-06-20", [1, 1]), ("2024-06-10", [2]), ("2024-05-10", [2]), ("2024-04-10", [2])],
    "E": [("2024-06-20", [3])],
    "F": [("2024-05-31", [4]), ("2024-05-01", [4])],
    "G": [("2024-04-01", [1]), ("2024-03-01", [1]), ("2024-02-01", [1]), ("2024-01-15", [1]), ("2024-01-10", [1])],
    "H": [("2024-03-02", [6])],
    "I": [("2024-01-31", [2]), ("2024-01-02", [2])],
    "J": [("2024-01-01", [1])],
    "K": [("2023-12-31", [9])],
    "L": [("2024-07-01", [9])],
}

# customer -> (recency, frequency, monetary, r_score, f_score, m_score, segment), from the table above.
EXPECTED = {
    "A": (0, 3, "200.00", 5, 4, 5, "Champions"),
    "B": (1, 2, "20.00", 5, 3, 1, "Potential Loyalists"),
    "C": (5, 1, "300.00", 4, 1, 5, "Promising"),
    "D": (10, 4, "80.00", 4, 5, 4, "Loyal Customers"),
    "E": (10, 1, "30.00", 4, 1, 2, "Promising"),
    "F": (30, 2, "80.00", 3, 3, 4, "Need Attention"),
    "G": (90, 5, "50.00", 2, 5, 3, "Can't Lose Them"),
    "H": (120, 1, "60.00", 2, 1, 3, "Hibernating"),
    "I": (151, 2, "40.00", 1, 3, 2, "At Risk"),
    "J": (181, 1, "10.00", 1, 1, 1, "Hibernating"),
}
CUT_POINTS = {
    "recency": [4.2, 10.0, 54.0, 126.2],
    "frequency": [1.0, 1.6, 2.0, 3.2],
    "monetary": [28.0, 46.0, 68.0, 104.0],
}


def at_noon(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=UTC).replace(hour=12)


def place_orders(customer: Customer, orders: list[tuple[str, list[int]]], products: list) -> None:
    for number, (day, units) in enumerate(orders):
        order_create(
            customer=customer,
            ordered_at=at_noon(day),
            shipping_cost=Decimal("5.00") if number % 2 else Decimal("0"),
            lines=[{"product": products[i], "quantity": quantity} for i, quantity in enumerate(units)],
        )


def build_hand_dataset() -> dict[str, Customer]:
    products = [make_product(unit_price="10.00", stock=100_000) for _ in range(2)]
    customers = {name: make_customer(name=f"Customer {name}") for name in ORDERS}
    for name, orders in ORDERS.items():
        place_orders(customers[name], orders, products)
    return customers
