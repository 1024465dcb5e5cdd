-- Several windows at once (limits-plus §1): each tier may also limit the periods other than the
-- deployment's. `spend_limit_micros` (`default_limit_micros`) stays the tier's limit at the
-- deployment period, as in Coder; the column of that period is kept NULL (the store writes it so).
ALTER TABLE chat_usage_limit_config ADD COLUMN day_limit_micros INTEGER NULL CHECK (day_limit_micros > 0);
ALTER TABLE chat_usage_limit_config ADD COLUMN week_limit_micros INTEGER NULL CHECK (week_limit_micros > 0);
ALTER TABLE chat_usage_limit_config ADD COLUMN month_limit_micros INTEGER NULL CHECK (month_limit_micros > 0);
ALTER TABLE chat_usage_limit_overrides ADD COLUMN day_limit_micros INTEGER NULL CHECK (day_limit_micros > 0);
ALTER TABLE chat_usage_limit_overrides ADD COLUMN week_limit_micros INTEGER NULL CHECK (week_limit_micros > 0);
ALTER TABLE chat_usage_limit_overrides ADD COLUMN month_limit_micros INTEGER NULL CHECK (month_limit_micros > 0);
ALTER TABLE chat_usage_limit_group_overrides ADD COLUMN day_limit_micros INTEGER NULL CHECK (day_limit_micros > 0);
ALTER TABLE chat_usage_limit_group_overrides ADD COLUMN week_limit_micros INTEGER NULL CHECK (week_limit_micros > 0);
ALTER TABLE chat_usage_limit_group_overrides ADD COLUMN month_limit_micros INTEGER NULL CHECK (month_limit_micros > 0);
