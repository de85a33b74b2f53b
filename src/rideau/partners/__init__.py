"""The partner portal (SPEC B1–B13): exhibitors' and sponsors' own space per event, their
team and badges, offers, tasks, documents, meetings with attendees, and leads."""
