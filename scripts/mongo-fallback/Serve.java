import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.io.InputStream;
import java.net.InetSocketAddress;

/**
 * Offline MongoDB stand-in: serves mongo-java-server on 127.0.0.1.
 *
 * Usage: java -cp 'jars/*' Serve.java <port|0> [h2-file]
 * Without a file the data lives in memory (tests); with one it survives restarts (npm run dev).
 * Prints "listening <port>" once bound, and exits when its standard input closes, so the
 * process that started it cannot leave it behind, even when that process is killed.
 *
 * On the way out (stdin closed, SIGINT or SIGTERM) the H2 store is committed first: the server's
 * own shutdown closes the store only after waiting up to 5 s for each of its two Netty thread
 * groups, and a parent that loses patience and kills the JVM meanwhile would lose every write
 * since the last background commit (H2 commits about once a second).
 */
public class Serve {
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        MongoBackend backend = args.length > 1 ? new H2Backend(args[1]) : new MemoryBackend();
        MongoServer server = new MongoServer(backend);
        server.bind(new InetSocketAddress("127.0.0.1", port));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (backend instanceof H2Backend h2) {
                h2.commit();
            }
            server.shutdownNow();
        }));
        System.out.println("listening " + server.getLocalAddress().getPort());
        System.out.flush();
        InputStream in = System.in;
        while (in.read() != -1) {
            // Input is ignored; only its end matters.
        }
        System.exit(0);
    }
}
