"""Documents made for people to keep or show: PDF tickets and their QR codes (`tickets`),
the ticket template's preview (`ticket_preview`), iCalendar files (`ical`), the seat each
ticket shows (`seats`) and signed ticket secrets (`signing`, ADR 0007).

A facility below `orders`: it renders what it is given (an order and its positions are read
through their attributes) and never loads an area's rows itself, so orders, passes, gift
vouchers, the box office and partners' badges all use it. An area's deferred e-mail
attachment (a function loading its rows by id) lives in the area: `orders.attachments`.
"""
