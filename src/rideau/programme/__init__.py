"""Programme set-up: events, dates and sessions together with the quotas that sell them."""
