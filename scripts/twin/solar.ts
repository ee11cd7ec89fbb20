/**
 * Clear-sky photovoltaic output.
 *
 * Sun position from the day of year, latitude, longitude and UTC time (Cooper's declination and
 * Spencer's equation of time), clear-sky global horizontal irradiance from the Haurwitz model
 * (GHI = 1098 cos(z) exp(-0.057 / cos(z)) W/m²), and PV AC power = peak power x GHI / 1000 W/m² x
 * performance ratio. Panels are taken as horizontal: simple, and good enough for a community's shape
 * of the day. Energy per slot is the mean of several sub-steps, so sunrise and sunset slots are partial.
 */
const DEG = Math.PI / 180;

export interface Site {
  latitudeDeg: number;
  longitudeDeg: number;
}

/** Day of the year, 1 = 1 January (UTC). */
export function dayOfYear(date: Date): number {
  const start = Date.UTC(date.getUTCFullYear(), 0, 1);
  return Math.floor((date.getTime() - start) / 86_400_000) + 1;
}

/** Solar declination in radians (Cooper 1969). */
export function declination(day: number): number {
  return 23.45 * DEG * Math.sin((2 * Math.PI * (284 + day)) / 365);
}

/** Equation of time in minutes (Spencer 1971). */
export function equationOfTimeMinutes(day: number): number {
  const b = (2 * Math.PI * (day - 1)) / 365;
  return (
    229.18 *
    (0.000075 +
      0.001868 * Math.cos(b) -
      0.032077 * Math.sin(b) -
      0.014615 * Math.cos(2 * b) -
      0.040849 * Math.sin(2 * b))
  );
}

/** Cosine of the solar zenith angle at unix time `unixSeconds` (negative when the sun is down). */
export function cosZenith(site: Site, unixSeconds: number): number {
  const date = new Date(unixSeconds * 1000);
  const day = dayOfYear(date);
  const utcMinutes = (unixSeconds % 86_400) / 60;
  const solarMinutes = utcMinutes + 4 * site.longitudeDeg + equationOfTimeMinutes(day);
  const hourAngle = ((solarMinutes / 4 - 180) * DEG) % (2 * Math.PI);
  const phi = site.latitudeDeg * DEG;
  const delta = declination(day);
  return Math.sin(phi) * Math.sin(delta) + Math.cos(phi) * Math.cos(delta) * Math.cos(hourAngle);
}

/** Clear-sky global horizontal irradiance in W/m² (Haurwitz). */
export function clearSkyGhi(site: Site, unixSeconds: number): number {
  const cz = cosZenith(site, unixSeconds);
  if (cz <= 0.01) return 0;
  return 1098 * cz * Math.exp(-0.057 / cz);
}

/** Mean clear-sky GHI over [start, start + length) in W/m², averaged over `steps` sub-steps. */
export function meanClearSkyGhi(site: Site, start: number, length: number, steps = 6): number {
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += clearSkyGhi(site, start + ((i + 0.5) * length) / steps);
  return sum / steps;
}

/** PV energy in Wh over a slot from a mean irradiance, peak power in W and performance ratio. */
export function pvEnergyWh(
  meanGhi: number,
  peakPowerW: number,
  performanceRatio: number,
  slotSeconds: number,
): number {
  return ((peakPowerW * meanGhi) / 1000) * performanceRatio * (slotSeconds / 3600);
}
