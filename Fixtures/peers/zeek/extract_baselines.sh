#!/bin/bash
# Writes each trace's expectation from Zeek's own btest baselines: the method, uri and
# status_code columns of http.log, or cmd, arg and success of mysql.log, by column name
# (zeek-cut's job, without needing Zeek). usage: extract_baselines.sh ZEEK_CHECKOUT
set -euo pipefail
zeek=$1
here=$(cd "$(dirname "$0")" && pwd)
baseline() { git -C "$zeek" show "HEAD:testing/btest/Baseline/scripts.base.protocols.$1"; }
columns() {  # columns NAME... : the named columns of a Zeek log on stdin, tab-separated
    awk -F'\t' -v want="$*" '
        # The header is "#fields ..." in a log, or the first line of zeek-cut -c output.
        /^#fields/ { header($0, 1); next }
        /^#/ { next }
        !seen { header($0, 0); next }
        { line = ""; for (j = 1; j <= n; j++) line = line (j > 1 ? "\t" : "") $col[j]; print line }
        function header(text, skip,   f, i, j, count) {
            seen = 1; n = split(want, w, " "); count = split(text, f, "\t")
            for (i = 1 + skip; i <= count; i++) for (j = 1; j <= n; j++) if (f[i] == w[j]) col[j] = i - skip
        }'
}
http() { baseline "http.$2" | columns method uri status_code >"$here/http/$1.http.tsv"; }
mysql() { baseline "mysql.$2" | columns cmd arg success >"$here/mysql/$1.mysql.tsv"; }
http pipelined-requests http-pipelining/http.log
http http-lower-case http-lower-case/http.log.standard
http http-lower-case-nonstandard-port http-lower-case/http.log.nonstandard
http query-method query-method/http.log
http query-method-non-standard-port query-method-non-standard-port/http.log
http connect-with-smtp http-connect/http.log
http http-desync-request-response-5 http-desynched/http.log
http no-version no-version/http.log
http http_09 http-09/http.log
http http-bad-request-with-version http-bad-request-with-version/http.log
http fake-content-length fake-content-length/http.log
http x-gzip x-gzip/http.log
http version-mismatch version-mismatch/http.log
mysql mysql wireshark/mysql.log
mysql auth auth/mysql.log
mysql change-user-success change-user-success/mysql.log
mysql change-user-error change-user-error/mysql.log
mysql encrypted encrypted/mysql.log
mysql mysql-9.0.0-query-attributes query-attr-non-string/mysql.log
mysql caching_sha2_password caching_sha2_password/mysql.log
mysql many-query-attrs many-query-attr/mysql.log
