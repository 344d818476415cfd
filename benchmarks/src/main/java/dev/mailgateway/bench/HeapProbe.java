package dev.mailgateway.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Reads another JVM's used heap after full GCs over JMX on loopback (jcmd's attach does not
 * work on every machine). The target runs with {@code -Dcom.sun.management.jmxremote.port=P
 * -Dcom.sun.management.jmxremote.host=127.0.0.1 -Dcom.sun.management.jmxremote.authenticate=false
 * -Dcom.sun.management.jmxremote.ssl=false}.
 *
 * <p>Usage: {@code HeapProbe PORT} prints {@code HEAP_USED_KB n HEAP_COMMITTED_KB m}.
 */
public final class HeapProbe {

    private HeapProbe() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
        try (JMXConnector c = JMXConnectorFactory.connect(url)) {
            MBeanServerConnection mbs = c.getMBeanServerConnection();
            MemoryMXBean mem = ManagementFactory.newPlatformMXBeanProxy(mbs,
                    ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
            for (int i = 0; i < 3; i++) {
                mem.gc();
            }
            System.out.println("HEAP_USED_KB " + mem.getHeapMemoryUsage().getUsed() / 1024
                    + " HEAP_COMMITTED_KB " + mem.getHeapMemoryUsage().getCommitted() / 1024);
        }
    }
}
