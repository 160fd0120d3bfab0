/** The durations a silence is offered for, on the Silences page and in a row's Mute dialog. */
export const SILENCE_DURATIONS: readonly { label: string; minutes: number }[] = [
  { label: '30 minutes', minutes: 30 },
  { label: '1 hour', minutes: 60 },
  { label: '2 hours', minutes: 120 },
  { label: '1 day', minutes: 1440 },
  { label: '1 week', minutes: 10080 },
];
