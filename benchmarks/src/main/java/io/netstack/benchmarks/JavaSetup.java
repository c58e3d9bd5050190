package io.netstack.benchmarks;

/**
 * Prints the JDK and class path Maven selected, as shell assignments, so benchmarks/run.sh can start the benchmark
 * JVMs inside network namespaces without running Maven there.
 */
public final class JavaSetup {
    private JavaSetup() {
    }

    public static void main(String[] args) {
        System.out.println("JAVA_HOME_25='" + System.getProperty("java.home") + "'");
        System.out.println("BENCH_CLASSPATH='" + System.getProperty("java.class.path") + "'");
    }
}
