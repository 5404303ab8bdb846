-- wrk script: plain GETs (wrk's default), with p95 printed (bench/percentiles.lua).
dofile(os.getenv("BENCH_DIR") .. "/percentiles.lua")
