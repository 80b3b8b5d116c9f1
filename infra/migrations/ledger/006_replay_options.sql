-- What the last replay of a job asked (workers/ledger/replay.py), kept on the job so that a
-- retry or the sweep runs it the same way: {"languages": "Cyrillic", "preprocess": "none"}
-- (how its pages are read, workers/ocr/options.py) and {"overwrite_corrections": true}
-- (its records replace a person's corrections). NULL: as the drop's manifest and the
-- settings say, corrections kept.
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS replay_options jsonb;
