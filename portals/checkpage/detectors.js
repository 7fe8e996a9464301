// Entry point of the bot-detector bundle the tests build with esbuild:
// window.twofetchDetectors() runs BotD and fpscanner and returns their
// verdicts for the check page.
import { load } from '@fingerprintjs/botd';
import FingerprintScanner from 'fpscanner';

window.twofetchDetectors = async () => {
  const botd = await (await load({ monitoring: false })).detect();
  const fp = await new FingerprintScanner().collectFingerprint({ encrypt: false });
  return {
    botd: { bot: botd.bot, botKind: botd.botKind || '' },
    fpscanner: {
      fastBotDetection: fp.fastBotDetection,
      flags: Object.entries(fp.fastBotDetectionDetails).filter(([, v]) => v && v.detected).map(([k]) => k),
    },
  };
};
