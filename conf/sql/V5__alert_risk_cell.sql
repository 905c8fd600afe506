-- The risk matrix cell each alert's risk score came from (RiskPolicy: likelihood x impact), so that
-- the dashboard's risk matrix counts observed alerts per cell. NULL for alerts written before V5.
-- (V3 and V4 hold the analysts' indexes and the model registry audit.)

ALTER TABLE alerts ADD COLUMN likelihood text;
ALTER TABLE alerts ADD COLUMN impact text;

ALTER TABLE alerts ADD CONSTRAINT alerts_likelihood_check
    CHECK (likelihood IS NULL OR likelihood IN ('LOW', 'MEDIUM', 'HIGH'));
ALTER TABLE alerts ADD CONSTRAINT alerts_impact_check
    CHECK (impact IS NULL OR impact IN ('MEDIUM', 'HIGH', 'CRITICAL'));
