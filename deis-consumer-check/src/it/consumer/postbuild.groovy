// Runs after the consumer's build, in the main build: every module this project publishes (a jar
// module whose deploy is not skipped) must be in deis-bom, or users importing the BOM cannot name it.
import groovy.xml.XmlSlurper

def root = new File(reactorRoot)
def slurp = { File f -> new XmlSlurper().parse(f) }
def inBom = slurp(new File(root, 'deis-bom/pom.xml')).dependencyManagement.dependencies.dependency
    .collect { it.artifactId.text() } as Set
def missing = slurp(new File(root, 'pom.xml')).modules.module.collect { it.text() }.findAll { module ->
  def dir = new File(root, module)
  def pom = slurp(new File(dir, 'pom.xml'))
  new File(dir, 'src/main/java').isDirectory() && pom.properties.'maven.deploy.skip'.text() != 'true' &&
      !inBom.contains(pom.artifactId.text())
}
if (missing) {
  throw new AssertionError("published modules missing from deis-bom/pom.xml: ${missing.join(', ')}: " +
      'add a <dependency> with <version>${project.version}</version> for each')
}
println "deis-bom lists every published module (${inBom.sort().join(', ')})"
return true
