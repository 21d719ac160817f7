-- Issue 17 point 7 (service levels, administration): working-time calendars, their one-off
-- closures, the service-level rules (targets), and which calendar each support group and problem
-- profile uses. Evaluation against calls comes later (internal/sla is the engine).
--
-- A calendar: its name, IANA time zone, weekly working spans and UK bank holiday region ('' none,
-- england-and-wales, scotland, northern-ireland). week holds the seven days' spans, Sunday first,
-- separated by '|', each day's spans separated by ',' ("|08:00-18:00|08:00-18:00|...|"): an
-- empty day is not worked.
CREATE TABLE sla_calendars (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  zone       TEXT NOT NULL,
  week       TEXT NOT NULL,
  region     TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX sla_calendars_name ON sla_calendars (lower(name));
-- A closure: a named date (YYYY-MM-DD) the desk does not work, whole day (spans '') or the
-- listed spans of it ("13:00-18:00"); an extra bank holiday is a whole-day closure.
CREATE TABLE sla_closures (
  id          INTEGER PRIMARY KEY,
  calendar_id INTEGER NOT NULL REFERENCES sla_calendars(id) ON DELETE CASCADE,
  day         TEXT NOT NULL,
  name        TEXT NOT NULL,
  spans       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sla_closures_calendar ON sla_closures (calendar_id, day);
-- A rule (a target): the calls it matches (priority, optionally a profile and its subtree and a
-- customer kind), respond and resolve within so many working minutes, the event that stops the
-- respond clock, the open states that pause each clock (comma-separated), and optionally its own
-- calendar (NULL: the calendar of the call's profile, else of its group).
CREATE TABLE sla_rules (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL,
  priority        INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),
  profile_id      INTEGER REFERENCES profiles(id),
  customer_kind   TEXT NOT NULL DEFAULT '',
  respond_minutes INTEGER NOT NULL CHECK (respond_minutes > 0),
  resolve_minutes INTEGER NOT NULL CHECK (resolve_minutes > 0),
  respond_on      TEXT NOT NULL,
  respond_pause   TEXT NOT NULL DEFAULT '',
  resolve_pause   TEXT NOT NULL DEFAULT '',
  calendar_id     INTEGER REFERENCES sla_calendars(id),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX sla_rules_name ON sla_rules (lower(name));
CREATE INDEX sla_rules_calendar ON sla_rules (calendar_id);
-- Which calendar a support group and a problem profile use (no row: none chosen).
CREATE TABLE sla_group_calendars (
  group_id    INTEGER PRIMARY KEY REFERENCES support_groups(id),
  calendar_id INTEGER NOT NULL REFERENCES sla_calendars(id)
);
CREATE INDEX sla_group_calendars_calendar ON sla_group_calendars (calendar_id);
CREATE TABLE sla_profile_calendars (
  profile_id  INTEGER PRIMARY KEY REFERENCES profiles(id),
  calendar_id INTEGER NOT NULL REFERENCES sla_calendars(id)
);
CREATE INDEX sla_profile_calendars_calendar ON sla_profile_calendars (calendar_id);
