-- Finding a person everywhere (issue 15 point 2): a call's alternative contact (an address or a
-- number given for someone else) is the one text of calls the search index does not hold; this
-- partial index lists the few calls that have one, so the mention finder reads those instead of
-- every call.
CREATE INDEX IF NOT EXISTS calls_alt_contact ON calls(id) WHERE alt_email <> '' OR alt_phone <> '';
