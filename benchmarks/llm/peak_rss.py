#!/usr/bin/env python3
"""peak_rss.py CMD...: runs CMD, polls /proc/PID/smaps_rollup of it and its children every 50 ms and prints the
sample with the highest RSS split into anonymous and file-backed pages (code and read-only data of the binary and
its libraries, mapped inputs). PEAK_SMAPS=FILE also saves that process's /proc/PID/smaps at the peak.
Usage (benchmarks/RESULTS-compile.md): python3 benchmarks/llm/peak_rss.py build/bin/qcc model.gguf -o model.so"""
import subprocess, sys, time, os
p = subprocess.Popen(sys.argv[1:])
best = (0, 0, 0, '')
def procs(pid):
    out=[pid]
    try:
        for t in os.listdir(f'/proc/{pid}/task'):
            for c in open(f'/proc/{pid}/task/{t}/children').read().split():
                out += procs(int(c))
    except Exception: pass
    return out
while p.poll() is None:
    for pid in procs(p.pid):
        try:
            d = {}
            for l in open(f'/proc/{pid}/smaps_rollup'):
                parts = l.split()
                if parts[0].endswith(':') and len(parts) >= 2 and parts[1].isdigit():
                    d[parts[0][:-1]] = int(parts[1])
            name = open(f'/proc/{pid}/comm').read().strip()
            if d.get('Rss', 0) > best[0]:
                best = (d['Rss'], d.get('Anonymous', 0), d['Rss'] - d.get('Anonymous', 0), name)
                if os.environ.get('PEAK_SMAPS'):
                    open(os.environ['PEAK_SMAPS'], 'w').write(open(f'/proc/{pid}/smaps').read())
        except Exception:
            pass
    time.sleep(0.05)
print(f"peak sample: rss {best[0]/1024:.1f} MB = anon {best[1]/1024:.1f} + file {best[2]/1024:.1f} ({best[3]})", file=sys.stderr)
sys.exit(p.returncode)
