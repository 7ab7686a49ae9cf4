// RefMaven.java - reference for the Maven differential test: Maven's own
// org.apache.maven.artifact.versioning.ComparableVersion from the installed
// maven-artifact jar (run: java -cp <jar> RefMaven.java). Reads "a<TAB>b"
// lines, prints "a<TAB>b<TAB>R<TAB>maven-artifact" with R = -1, 0 or 1.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.apache.maven.artifact.versioning.ComparableVersion;

public class RefMaven {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.ISO_8859_1));
        PrintWriter out = new PrintWriter(System.out);
        String line;
        while ((line = in.readLine()) != null) {
            int tab = line.indexOf('\t');
            String a = line.substring(0, tab), b = line.substring(tab + 1);
            int r = Integer.signum(new ComparableVersion(a).compareTo(new ComparableVersion(b)));
            out.println(a + "\t" + b + "\t" + r + "\tmaven-artifact");
        }
        out.flush();
    }
}
