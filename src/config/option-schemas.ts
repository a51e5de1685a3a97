/**
 * Schema pieces that several options objects share, so the same option reads and fails the same
 * way wherever it is given.
 */
import { z } from "zod";

/** A duration in seconds, e.g. a timeout; callers add their own upper bound where they have one. */
export const positiveSeconds = z.number().finite().positive("must be a positive number of seconds");

/** For `z.custom()` options that take a callback. */
export const isFunction = (value: unknown): boolean => typeof value === "function";

/** `spoolDir`: a directory, or `false` for no spool (the Collector and the OTel exporters read it the same way). */
export const spoolDirSchema = z.union([z.string().min(1, "must be a non-empty directory path"), z.literal(false)]);

/** `spoolMaxBytes`: at least 1 MiB (a spool smaller than one batch of segments is a mistake). */
export const spoolMaxBytesSchema = z.number().int().min(1024 * 1024).max(Number.MAX_SAFE_INTEGER);
