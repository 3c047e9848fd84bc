DROP INDEX `results_sweep_setting_sample_unique`;--> statement-breakpoint
DROP INDEX `results_setting_idx`;--> statement-breakpoint
CREATE UNIQUE INDEX `results_sample_setting_unique` ON `results` (`sweep_id`,`model`,`benchmark`,`sample_id`,`method`,`keep`,`policy`);--> statement-breakpoint
CREATE INDEX `results_setting_cover_idx` ON `results` (`model`,`benchmark`,`method`,`keep`,`policy`,`score`,`kept_count`,`tokens_before`,`prefill_ms`,`total_ms`,`flops`);