/** `auditop --help`: fits in 80 columns (a test checks), common invocations first. */
export const HELP_TEXT = `auditop: top for the Kubernetes API-server audit log

Usage:
  auditop [options] [FILE ...]       follow FILE(s) live (default: the usual
                                     kube-apiserver audit log paths)
  auditop [options] -                read events from standard input
  auditop replay [options] PATH ...  replay saved logs (files, dirs, .gz)
  auditop demo                       self-contained demo, no cluster needed

Examples:
  follow the default audit log (root-readable, hence sudo):
    sudo auditop
  follow several files at once:
    sudo auditop /var/log/kubernetes/audit.log /var/log/kube-apiserver/audit.log
  replay a directory of saved logs (rotated sets, .gz) at 100x:
    auditop replay ./audit-logs/ --speed 100
  headless: alerts as JSON lines into a file, no screen:
    sudo auditop --no-tui --print alerts > alerts.jsonl
  summarise a saved log:
    auditop replay audit.log.gz --no-tui --print summary
  watch a node's log from your own machine:
    ssh cp1 sudo tail -F /var/log/kubernetes/audit/audit.log | auditop -

Options:
  --no-tui                  no screen: JSON lines on stdout (default when
                            stdout is not a terminal)
  --print events|alerts|summary
                            what --no-tui writes (default: alerts; implies
                            --no-tui)
  --from-start              follow: read the whole file first, then follow
  --backfill N              follow: show the last N events first (1000)
  --speed N|max             replay speed, 0.1 to 10000 (10 on screen, max
                            with --no-tui)
  --since T, --until T      replay: event-time window, RFC 3339, or -2h (back
                            from the log's end), +15m (from its start), now-2h
  --rules FILE              YAML rules: extra rules, overrides, list edits
  --filter EXPR             keep matching events, e.g.
                            'user:alice verb:delete,patch ns:prod code:>=400'
  --buffer N                events kept in memory (100000)
  --buffer-bytes N          raw JSON kept in memory, k/M/G suffixes (256M)
  --alerts-file FILE        also append every alert to FILE as JSON lines
  --no-color                no colour (also when NO_COLOR is set)
  --ascii                   ASCII borders and glyphs only
  --config FILE             settings kept between runs (default:
                            ~/.config/auditop/config.yaml, or in
                            $XDG_CONFIG_HOME/auditop/ when that is set)
  --version, -h --help

Exit status: 0 done (end of replay, q, Ctrl-C), 1 runtime failure,
2 usage error.
`;
