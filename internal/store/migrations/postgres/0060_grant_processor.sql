-- Issue 20 point 1: a supplier grant names its supplier firm from the DPO's register of processors
-- (issue 19), so that the register shows the access each processor was given under its contract.
-- processor keeps the firm's name as it was when the grant was asked for. NULL: a grant asked for
-- before this migration, which named the firm in words only.
ALTER TABLE supplier_grants ADD COLUMN processor_id BIGINT REFERENCES processors(id);
CREATE INDEX supplier_grants_processor ON supplier_grants (processor_id);
