DROP INDEX `results_job_idx`;--> statement-breakpoint
CREATE INDEX `results_job_sample_idx` ON `results` (`job_id`,`sample_index`);--> statement-breakpoint
ALTER TABLE `sweeps` ADD `simulated` integer DEFAULT false NOT NULL;