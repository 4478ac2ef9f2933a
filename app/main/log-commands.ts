/**
 * The log commands as the GUI answers them: main's own log from its file,
 * the helper's through the helper (its file may be root's), and both
 * interleaved by time (merged-log.ts) from those two, main first at equal times.
 * A search's id (readLogs, countLogs) lets cancelLogSearch stop it on both sides.
 */
import type { LogFilter, RequestOf, ResponseOf } from '../../ipc/schema.js';
import { CommandError, type Handlers } from '../../ipc/server.js';
import type { LogService } from '../log/log-service.js';
import { MergedLog, type LogReader } from '../log/merged-log.js';

type LogHandlers = Pick<Handlers, 'readLogs' | 'countLogs' | 'cancelLogSearch' | 'findLogTime'>;
type LogCommands = {
  [C in keyof LogHandlers]: (request: RequestOf<C>) => Promise<ResponseOf<C>>;
};

export function logCommands(mainLogs: LogService, helper: LogHandlers): LogCommands {
  const helperLog: LogReader = {
    read: async (filter: LogFilter, offset: number, limit: number) =>
      helper.readLogs({ source: 'helper', filter, offset, limit }),
    findTime: async (filter: LogFilter, time: string) =>
      (await helper.findLogTime({ source: 'helper', filter, time })).offset,
  };
  const both = new MergedLog(mainLogs.reader('main'), helperLog);
  return {
    readLogs: async (request) => {
      if (request.source === 'main') return mainLogs.readLogs(request);
      if (request.source === 'helper') return helper.readLogs(request);
      // Interleaving needs each log's count (merged-log.ts), so 'both' is never partial.
      return mainLogs.searches.run(request.search, () =>
        both.read(request.filter, request.offset, request.limit),
      );
    },
    countLogs: async (request) => {
      if (request.source === 'main') return mainLogs.countLogs(request);
      if (request.source === 'helper') return helper.countLogs(request);
      const [a, b] = await Promise.all([
        mainLogs.countLogs({ ...request, source: 'main' }),
        helper.countLogs({ ...request, source: 'helper' }),
      ]);
      return {
        matching: a.matching + b.matching,
        totalLines: a.totalLines + b.totalLines,
        generation: `${a.generation}|${b.generation}`,
      };
    },
    cancelLogSearch: async (request) => {
      mainLogs.cancelLogSearch(request);
      // The search may be reading the helper's log; an unreachable helper has nothing to stop.
      await Promise.resolve(helper.cancelLogSearch(request)).catch(() => undefined);
      return {};
    },
    findLogTime: async (request) => {
      if (request.source === 'main') return mainLogs.findLogTime(request);
      if (request.source === 'helper') return helper.findLogTime(request);
      if (Number.isNaN(Date.parse(request.time))) {
        throw new CommandError('invalid-request', 'The time is not an RFC 3339 timestamp.');
      }
      return { offset: await both.findTime(request.filter, request.time) };
    },
  };
}
