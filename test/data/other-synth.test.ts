import { describe, expect, it } from 'vitest';
import { otherVoiceSpeaker } from '../../tools/data/other-synth.js';

describe('otherVoiceSpeaker', () => {
  it('names the female voices by their speaker ids in file names, every other voice male', () => {
    for (const id of ['flite.slt', 'festival.cmu-us-slt-arctic-hts', 'pico.en-US', 'pico.en-GB']) expect(otherVoiceSpeaker(id)).toBe('female');
    for (const id of ['flite.kal', 'flite.kal16', 'flite.awb', 'flite.rms', 'festival.kal-diphone', 'festival.ked-diphone']) expect(otherVoiceSpeaker(id)).toBe('male');
  });
});
