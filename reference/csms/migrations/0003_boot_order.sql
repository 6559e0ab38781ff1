-- BootNotifications in the order they arrived: received_at has millisecond resolution, and two
-- boots within one millisecond tie (PostgreSQL then returns them in any order). `seq` counts a
-- station's boots (1, 2, ...); boots stored before this migration keep 0 and their time order.

ALTER TABLE boot_notifications ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;

DROP INDEX boot_notifications_by_station;

CREATE INDEX boot_notifications_by_station ON boot_notifications (station_id, seq);
