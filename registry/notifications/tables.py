from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class Notification(Table):
    recipient = Varchar(length=254, index=True)
    subject = Varchar(length=200)
    body = Text()
    created_at = Timestamptz(index=True)
    sent_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    last_error = Text(null=True, default=None)
