DROP INDEX `results_setting_sample_unique`;--> statement-breakpoint
DROP INDEX `results_sweep_setting_idx`;--> statement-breakpoint
CREATE UNIQUE INDEX `results_sweep_setting_sample_unique` ON `results` (`sweep_id`,`model`,`benchmark`,`method`,`keep`,`policy`,`sample_id`);--> statement-breakpoint
DROP INDEX `shards_job_idx`;--> statement-breakpoint
CREATE INDEX `shards_job_state_idx` ON `shards` (`job_id`,`state`);--> statement-breakpoint
CREATE INDEX `shards_sweep_state_id_idx` ON `shards` (`sweep_id`,`state`,`id`);