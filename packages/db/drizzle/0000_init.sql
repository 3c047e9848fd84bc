CREATE TABLE `benchmarks` (
	`name` text PRIMARY KEY NOT NULL,
	`content_hash` text NOT NULL,
	`path` text NOT NULL,
	`samples` integer NOT NULL,
	`meta` text NOT NULL,
	`registered_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sweep_id` integer NOT NULL,
	`model` text NOT NULL,
	`benchmark` text NOT NULL,
	`method` text NOT NULL,
	`pruner` text NOT NULL,
	`keep` integer NOT NULL,
	`policy` text NOT NULL,
	`params` text NOT NULL,
	`samples` integer NOT NULL,
	`samples_done` integer DEFAULT 0 NOT NULL,
	`state` text DEFAULT 'queued' NOT NULL,
	FOREIGN KEY (`sweep_id`) REFERENCES `sweeps`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_setting_unique` ON `jobs` (`sweep_id`,`model`,`benchmark`,`method`,`keep`,`policy`);--> statement-breakpoint
CREATE INDEX `jobs_sweep_state_idx` ON `jobs` (`sweep_id`,`state`);--> statement-breakpoint
CREATE TABLE `models` (
	`name` text PRIMARY KEY NOT NULL,
	`content_hash` text NOT NULL,
	`path` text NOT NULL,
	`meta` text NOT NULL,
	`registered_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `results` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sweep_id` integer NOT NULL,
	`job_id` integer NOT NULL,
	`model` text NOT NULL,
	`benchmark` text NOT NULL,
	`sample_id` text NOT NULL,
	`sample_index` integer NOT NULL,
	`method` text NOT NULL,
	`keep` integer NOT NULL,
	`policy` text NOT NULL,
	`answer` text NOT NULL,
	`score` real NOT NULL,
	`metric` text NOT NULL,
	`parsed` text,
	`tokens_before` integer NOT NULL,
	`kept_count` integer NOT NULL,
	`kept_indices` blob NOT NULL,
	`prefill_ms` real NOT NULL,
	`total_ms` real NOT NULL,
	`flops` real NOT NULL,
	`variant` text NOT NULL,
	`worker_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`sweep_id`) REFERENCES `sweeps`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `results_setting_sample_unique` ON `results` (`sweep_id`,`model`,`benchmark`,`sample_id`,`method`,`keep`,`policy`);--> statement-breakpoint
CREATE INDEX `results_sweep_setting_idx` ON `results` (`sweep_id`,`model`,`benchmark`,`method`,`keep`,`policy`);--> statement-breakpoint
CREATE INDEX `results_setting_idx` ON `results` (`model`,`benchmark`,`method`,`keep`,`policy`);--> statement-breakpoint
CREATE INDEX `results_job_idx` ON `results` (`job_id`);--> statement-breakpoint
CREATE TABLE `shards` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sweep_id` integer NOT NULL,
	`job_id` integer NOT NULL,
	`sample_start` integer NOT NULL,
	`sample_end` integer NOT NULL,
	`state` text DEFAULT 'queued' NOT NULL,
	`lease_owner` text,
	`lease_deadline` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`finished_at` integer,
	FOREIGN KEY (`sweep_id`) REFERENCES `sweeps`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `shards_state_next_attempt_idx` ON `shards` (`state`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `shards_job_idx` ON `shards` (`job_id`);--> statement-breakpoint
CREATE INDEX `shards_state_deadline_idx` ON `shards` (`state`,`lease_deadline`);--> statement-breakpoint
CREATE TABLE `sweeps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`spec_yaml` text NOT NULL,
	`spec` text NOT NULL,
	`priority` integer DEFAULT 0 NOT NULL,
	`state` text DEFAULT 'queued' NOT NULL,
	`max_attempts` integer DEFAULT 3 NOT NULL,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `sweeps_state_priority_idx` ON `sweeps` (`state`,`priority`);--> statement-breakpoint
CREATE TABLE `workers` (
	`id` text PRIMARY KEY NOT NULL,
	`host` text NOT NULL,
	`capabilities` text NOT NULL,
	`registered_at` integer NOT NULL,
	`last_heartbeat_at` integer NOT NULL,
	`current_shard_id` integer,
	`samples_done` integer DEFAULT 0 NOT NULL,
	`state` text DEFAULT 'active' NOT NULL
);
