#!/usr/bin/env python3
"""Writes provincial-31.json from data/regions.csv and data/intraday-profile.csv.

Run from this folder: python3 make-provincial-31.py > provincial-31.json

A provincial public-service hotline: 31 regional queues (callers reach their home region by
area code), one national common group that takes overflow, 10,000 agents, a day's arrivals
shaped by the half-hourly profile and sized for 1,000,000 calls. Regions are weighted by a
rough population share so that large provinces carry more calls and more agents; agents are
sized per region to the peak half hour (Erlang load at about 80 % occupancy) and the rest of
the 10,000 go to the common group.
"""
import csv
import json
import sys

TOTAL_CALLS = 1_000_000
TOTAL_AGENTS = 10_000
DAY_SECONDS = 86_400
HANDLE_MEAN, HANDLE_SD = 200.0, 110.0
PRIORITY_SHARE = 0.05   # elderly / disabled callers, priority 5
ENGLISH_SHARE = 0.01    # of all calls: a national English line into the common group

# Population in millions (rounded, census 2020): the share of calls each region gets.
POPULATION = {
    "bj": 21.9, "sh": 24.9, "tj": 13.9, "cq": 32.1, "he": 74.6, "sx": 34.9, "nm": 24.0,
    "ln": 42.6, "jl": 24.1, "hl": 31.9, "js": 84.7, "zj": 64.6, "ah": 61.0, "fj": 41.5,
    "jx": 45.2, "sd": 101.5, "ha": 99.4, "hb": 57.8, "hn": 66.4, "gd": 126.0, "gx": 50.1,
    "hi": 10.1, "sc": 83.7, "gz": 38.6, "yn": 47.2, "xz": 3.6, "sn": 39.5, "gs": 25.0,
    "qh": 5.9, "nx": 7.2, "xj": 25.9,
}
STRATEGIES = ["longest-idle", "fewest-calls", "least-talk-time", "round-robin", "longest-idle", "random"]


def main():
    with open("data/regions.csv", newline="", encoding="utf-8") as f:
        regions = list(csv.DictReader(f))
    with open("data/intraday-profile.csv", newline="", encoding="utf-8") as f:
        shares = [float(row["share"]) for row in csv.DictReader(f)]
    assert len(regions) == 31 and len(shares) == 48
    total_share = sum(shares)
    mean_share = total_share / 48
    peak = max(shares) / mean_share
    # Arrival rates are given at the day's mean; each half hour multiplies them by share / mean.
    profile = [
        {"fromSeconds": i * 1800, "toSeconds": (i + 1) * 1800, "multiplier": round(s / mean_share, 4)}
        for i, s in enumerate(shares)
    ]
    population = sum(POPULATION[r["region"]] for r in regions)
    regional_calls = TOTAL_CALLS * (1 - ENGLISH_SHARE)

    queues, agents, routing, arrivals = [], [], [], []
    regional_agents = 0
    for i, r in enumerate(regions):
        code, area = r["region"], r["area_code"]
        weight = POPULATION[code] / population
        mean_rate = regional_calls * weight / DAY_SECONDS
        peak_load = mean_rate * peak * HANDLE_MEAN
        count = max(4, round(peak_load / 0.8))
        regional_agents += count
        queues.append({
            "id": code, "name": r["name"], "region": code, "strategy": STRATEGIES[i % len(STRATEGIES)],
            "serviceLevelSeconds": 20, "ringTimeoutSeconds": 15, "wrapUpSeconds": 5,
            "overflow": [{"when": "wait", "afterSeconds": 60, "to": "common"}, {"when": "no-agents", "to": "common"}],
        })
        # A tenth of each region's agents also speak English (skill), and serve the common group second.
        bilingual = max(1, count // 10)
        agents.append({"count": count - bilingual, "idPrefix": code, "name": r["name"], "region": code,
                       "queues": {code: 1}, "answerDelaySeconds": {"dist": "uniform", "min": 1, "max": 3}})
        agents.append({"count": bilingual, "idPrefix": code + "e", "name": r["name"] + " bilingual", "region": code,
                       "queues": {code: 1, "common": 2}, "skills": {"en": 3},
                       "answerDelaySeconds": {"dist": "uniform", "min": 1, "max": 3}})
        routing.append({"prefix": area, "region": code})
        routing.append({"service": "12345", "region": code, "queue": code})
        common = {"queue": code, "service": "12345", "callerPrefix": area,
                  "handleSeconds": {"dist": "lognormal", "mean": HANDLE_MEAN, "sd": HANDLE_SD},
                  "patienceSeconds": {"dist": "exponential", "mean": 180}, "profile": profile}
        arrivals.append({**common, "ratePerSecond": round(mean_rate * (1 - PRIORITY_SHARE), 6)})
        arrivals.append({**common, "ratePerSecond": round(mean_rate * PRIORITY_SHARE, 6), "priority": 5,
                         "patienceSeconds": {"dist": "exponential", "mean": 300}})

    national = TOTAL_AGENTS - regional_agents
    assert national > 0, f"regions need {regional_agents} agents"
    queues.append({"id": "common", "name": "National common group", "strategy": "longest-idle",
                   "serviceLevelSeconds": 20, "ringTimeoutSeconds": 15, "wrapUpSeconds": 5,
                   "maxWaitSeconds": 300, "maxWaitAction": "callback"})
    english = max(1, national // 5)
    agents.append({"count": national - english, "idPrefix": "nat", "name": "National", "queues": {"common": 1},
                   "answerDelaySeconds": {"dist": "uniform", "min": 1, "max": 3}})
    agents.append({"count": english, "idPrefix": "nate", "name": "National English", "queues": {"common": 1},
                   "skills": {"en": 4}, "answerDelaySeconds": {"dist": "uniform", "min": 1, "max": 3}})
    routing.append({"service": "12345", "queue": "common"})
    routing.append({"service": "12366", "queue": "common"})
    arrivals.append({"queue": "common", "service": "12366", "callerPrefix": "0086",
                     "ratePerSecond": round(TOTAL_CALLS * ENGLISH_SHARE / DAY_SECONDS, 6), "skills": {"en": 3},
                     "handleSeconds": {"dist": "lognormal", "mean": 300, "sd": 150},
                     "patienceSeconds": {"dist": "exponential", "mean": 240}, "profile": profile})

    scenario = {
        "name": "provincial-31",
        "description": (
            "A provincial hotline for the 31 regions: a day's arrivals (half-hourly profile, two peaks) sized for "
            "1,000,000 calls; callers reach their home region by area code on service 12345, priority callers "
            "(5 %) jump the queue, a region that keeps a caller 60 s (or has nobody logged in) overflows to the "
            "national common group, which also takes an English line (12366, skill en >= 3) and offers a callback "
            "after 5 minutes. 10,000 agents: each region staffed for its peak half hour at about 80 % occupancy, "
            "a tenth of them bilingual (second-level members of the common group), the rest national. "
            "Generated by make-provincial-31.py from data/."),
        "seed": 31,
        "speed": 300,
        "durationSeconds": DAY_SECONDS,
        "startAt": "2026-03-02T00:00:00Z",
        "notReadyRecoverySeconds": 5,
        "queues": queues,
        "agents": agents,
        "routing": routing,
        "arrivals": arrivals,
    }
    # One line per queue, agent group, route and arrival stream: a readable diff when regenerated.
    lines = []
    for key, value in scenario.items():
        if isinstance(value, list):
            items = ",\n".join("    " + json.dumps(v, ensure_ascii=False) for v in value)
            lines.append(f'  "{key}": [\n{items}\n  ]')
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    sys.stdout.write("{\n" + ",\n".join(lines) + "\n}\n")
    print(f"regional agents {regional_agents}, national {national}, peak multiplier {peak:.2f}", file=sys.stderr)


if __name__ == "__main__":
    main()
