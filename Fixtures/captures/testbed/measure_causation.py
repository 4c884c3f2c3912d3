#!/usr/bin/env python3
"""Keystone calls a service made (token validations above all): glancetrace's caused_by against the
servers' record (tbtrace) and tshark's token decoding.  usage: measure_causation.py CAPTURE TRUTH GLANCETRACE_JSON"""
import json, sys, hashlib, collections
from tshark_fields import headers, tshark
cap, truthp, gtp = sys.argv[1:4]
t = json.load(open(truthp)); g = json.load(open(gtp))
H = t['http_requests']; S = t['sql']
def fp(v): return hashlib.sha256(v.encode()).hexdigest()[:8]
reqs = {}
for num, tm, port, m, uri, hdrs in tshark(cap, ['frame.number','frame.time_epoch','tcp.dstport','http.request.method','http.request.uri','http.request.line'], 'http.request'):
    d = headers(hdrs)
    reqs[int(num)] = dict(time=float(tm), port=int(port), method=m, path=uri.split('?')[0],
                          auth=fp(d['x-auth-token']) if 'x-auth-token' in d else None,
                          subject=fp(d['x-subject-token']) if 'x-subject-token' in d else None)
# tshark's request <-> X-Openstack-Request-Id of its response
by_rid = {}
for req_in, hdrs in tshark(cap, ['http.request_in', 'http.response.line'], 'http.response'):
    rid = headers(hdrs).get('x-openstack-request-id')
    if rid and req_in: by_rid[rid] = reqs[int(req_in)]
# truth <-> tshark and glancetrace <-> truth by the request id the server sent (exact)
gh = g['http']
tr_of_rid = {r['request_id']: i for i, r in enumerate(H) if r.get('request_id')}
gt2tr = {k: tr_of_rid[f['request_id']] for k, f in enumerate(gh) if f.get('request_id') in tr_of_rid}
tr2gt = {v: k for k, v in gt2tr.items()}
print('truth requests with a request id', len(tr_of_rid), 'of', len(H), '; joined to tshark', sum(1 for r in tr_of_rid if r in by_rid),
      '; to glancetrace', len(gt2tr))
def ts_of(i): return by_rid.get(H[i].get('request_id'))
def root(k):
    """The request at the top of a call's chain of causes (a Swift call's validation -> the Glance request)."""
    c = gh[k].get('caused_by')
    while c is not None and gh[c].get('caused_by') is not None: c = gh[c]['caused_by']
    return c
def first_sql(r):
    x = [S[j]['server_trace']['sent'] for j in r.get('sql_indexes', []) if S[j].get('server_trace')]
    return min(x) if x else None
glance = [i for i, r in enumerate(H) if r['service'] == 'glance' and r.get('server_trace')]
stats = collections.Counter(); rows = []
for i, r in enumerate(H):
    if not (r['service'] == 'keystone' and r['method'] == 'GET' and r['path'].startswith('/v3/auth/tokens')): continue
    v = r['server_trace']
    server = set()
    for gi in glance:
        w = H[gi]['server_trace']
        f = first_sql(H[gi])
        if w['app_start'] <= v['app_start'] and (w['app_end'] or 1e18) + 0.005 >= v['app_end'] and (f is None or f >= v['app_end']):
            server.add(gi)
    me = ts_of(i)
    token = {gi for gi in server if ts_of(gi) and me and ts_of(gi)['auth'] == me['subject']}
    f = gh[tr2gt[i]]
    c = root(tr2gt[i])
    ct = gt2tr.get(c) if c is not None else None
    stats['validations'] += 1
    stats['server_unique'] += len(server) == 1
    stats['combined_unique'] += len(token) == 1
    if c is None: stats['unattributed'] += 1; continue
    stats['attributed'] += 1
    stats['attr_' + f['attribution']] += 1
    stats['in_server_set'] += ct in server
    if len(server) == 1: stats['server_unique_correct'] += ct in server
    if len(token) == 1: stats['combined_unique_correct'] += ct in token
    if ct not in server: rows.append((i, f['attribution'], ct, sorted(server)))
for k in sorted(stats): print(k, stats[k])
for row in rows[:10]: print('outside server set:', row)
# Every Keystone call: made by Glance (its User-Agent, recorded by the server) <=> caused_by set.
by_glance = collections.Counter()
for i, r in enumerate(H):
    if r['service'] != 'keystone': continue
    ua = (r.get('server_trace') or {}).get('user_agent') or ''
    made = 'keystonemiddleware' in ua or ua == 'python-keystoneclient' or ua.startswith('uwsgi ')
    k = tr2gt.get(i)
    if k is None: by_glance['no_join_' + r['method'] + r['path'][:16]] += 1; continue
    c = root(k)
    ok_nest = None
    if c is not None and gt2tr.get(c) is not None:
        w = H[gt2tr[c]]['server_trace']; v = r['server_trace']
        ok_nest = w['app_start'] <= v['app_start'] and w['app_end'] + 0.005 >= v['app_end']
    by_glance[(made, c is not None, gh[k].get('attribution'), ok_nest, r['method'] + ' ' + r['path'][:16])] += 1
for k, v in sorted(by_glance.items(), key=str): print('keystone call', k, v)
