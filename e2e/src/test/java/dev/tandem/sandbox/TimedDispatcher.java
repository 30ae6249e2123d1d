package dev.tandem.sandbox;

import dev.tandem.replication.EngineBench;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Times every request the sandbox's API server handles, by verb (GET, WATCH, POST, PUT, PATCH,
 * DELETE). The mock server handles each request on a Vert.x event loop shared with other
 * connections, so this time is also how long those connections waited: the figure that shows
 * whether the API server answers promptly under load ({@code apiServerP99Millis} in the bench).
 */
final class TimedDispatcher extends Dispatcher {

  private final Dispatcher delegate;
  private final Map<String, List<Long>> nanosByVerb = new ConcurrentHashMap<>();

  TimedDispatcher(Dispatcher delegate) {
    this.delegate = delegate;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    long start = System.nanoTime();
    try {
      return delegate.dispatch(request);
    } finally {
      long elapsed = System.nanoTime() - start;
      var times = nanosByVerb.computeIfAbsent(verb(request), verb -> new ArrayList<>());
      synchronized (times) {
        times.add(elapsed);
      }
    }
  }

  static String verb(RecordedRequest request) {
    String path = request.getPath();
    boolean watch = path.matches(".*[?&]watch=(true|1)(&.*)?");
    return watch ? "WATCH" : request.method().name();
  }

  /** Per verb: the percentile of the handling times, in milliseconds. */
  Map<String, Long> percentileMillis(double percentile) {
    var result = new TreeMap<String, Long>();
    nanosByVerb.forEach((verb, times) -> {
      List<Long> copy;
      synchronized (times) {
        copy = List.copyOf(times);
      }
      result.put(verb, EngineBench.percentile(copy, percentile) / 1_000_000);
    });
    return result;
  }

  /** Per verb: how many requests were handled. */
  Map<String, Integer> counts() {
    var result = new TreeMap<String, Integer>();
    nanosByVerb.forEach((verb, times) -> {
      synchronized (times) {
        result.put(verb, times.size());
      }
    });
    return result;
  }
}
