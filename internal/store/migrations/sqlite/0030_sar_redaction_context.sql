-- Issue 15 point 4: the DPO's review of a bundle's redactions shows each candidate in its
-- sentence (context: the original text around it, other identifiers as written) with a link to
-- the console page where it stands (link: a path such as /calls/R0019973#entry-96333). context
-- is free text that may name anyone, declared in the register; link holds references only.
ALTER TABLE sar_redactions ADD COLUMN context TEXT NOT NULL DEFAULT '';
ALTER TABLE sar_redactions ADD COLUMN link TEXT NOT NULL DEFAULT '';
