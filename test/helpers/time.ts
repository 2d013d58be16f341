// Durations for tests, the same units the parameter files use.
export { MINUTE, HOUR, DAY, MONTH, YEAR } from "../../deploy/lib/units";
import { DAY, MONTH } from "../../deploy/lib/units";

export const days = (n: number) => n * DAY;
export const months = (n: number) => n * MONTH;
