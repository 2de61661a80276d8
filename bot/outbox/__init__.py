"""Messages that go out without a reply token: staff notices, reminders, and the exactly-once
delivery queue that sends them."""
