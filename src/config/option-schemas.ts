/**
 * Schema pieces that several options objects share, so the same option reads and fails the same
 * way wherever it is given.
 */
import { z } from "zod";

/** A duration in seconds, e.g. a timeout; callers add their own upper bound where they have one. */
export const positiveSeconds = z.number().finite().positive("must be a positive number of seconds");

/** For `z.custom()` options that take a callback. */
export const isFunction = (value: unknown): boolean => typeof value === "function";
